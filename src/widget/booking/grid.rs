//! The date grid's arithmetic, apart from the browser so it is tested natively: which days a
//! month shows in which week, and where each key of the W3C ARIA date-picker pattern moves.

use chrono::{Datelike, Days, Months, NaiveDate};

/// The weeks of the month of `day`, Monday first; days of other months are `None`.
pub fn month_weeks(day: NaiveDate) -> Vec<[Option<NaiveDate>; 7]> {
    let first = day.with_day(1).unwrap_or(day);
    let lead = first.weekday().num_days_from_monday() as u64;
    let mut weeks = Vec::new();
    let mut week = [None; 7];
    let mut cursor = first;
    let mut col = lead as usize;
    while cursor.month() == first.month() {
        week[col] = Some(cursor);
        col += 1;
        if col == 7 {
            weeks.push(week);
            week = [None; 7];
            col = 0;
        }
        match cursor.checked_add_days(Days::new(1)) {
            Some(next) => cursor = next,
            None => break,
        }
    }
    if col > 0 {
        weeks.push(week);
    }
    weeks
}

/// Where a key moves the focus from `day`: arrows by a day or a week, Home/End to the start
/// or end of the week, Page Up/Down by a month (with Shift, a year). `None` for other keys.
pub fn step(day: NaiveDate, key: &str, shift: bool) -> Option<NaiveDate> {
    let weekday = day.weekday().num_days_from_monday() as u64;
    let months = if shift { 12 } else { 1 };
    match key {
        "ArrowRight" => day.checked_add_days(Days::new(1)),
        "ArrowLeft" => day.checked_sub_days(Days::new(1)),
        "ArrowDown" => day.checked_add_days(Days::new(7)),
        "ArrowUp" => day.checked_sub_days(Days::new(7)),
        "Home" => day.checked_sub_days(Days::new(weekday)),
        "End" => day.checked_add_days(Days::new(6 - weekday)),
        // chrono clamps to the month's last day (31 January + 1 month = 28/29 February).
        "PageDown" => day.checked_add_months(Months::new(months)),
        "PageUp" => day.checked_sub_months(Months::new(months)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_month_is_laid_out_monday_first() {
        // November 2026 starts on a Sunday and has 30 days: six rows.
        let weeks = month_weeks(d("2026-11-24"));
        assert_eq!(weeks.len(), 6);
        assert_eq!(weeks[0][..6], [None; 6]);
        assert_eq!(weeks[0][6], Some(d("2026-11-01")));
        assert_eq!(weeks[1][0], Some(d("2026-11-02")));
        assert_eq!(weeks[5][0], Some(d("2026-11-30")));
        assert_eq!(weeks[5][1], None);
        let days: usize = weeks.iter().map(|w| w.iter().flatten().count()).sum();
        assert_eq!(days, 30);
        // February 2027 starts on a Monday: exactly four rows.
        assert_eq!(month_weeks(d("2027-02-10")).len(), 4);
    }

    #[test]
    fn keys_move_as_the_aria_pattern_says() {
        let tue = d("2026-11-24");
        assert_eq!(step(tue, "ArrowRight", false), Some(d("2026-11-25")));
        assert_eq!(step(tue, "ArrowLeft", false), Some(d("2026-11-23")));
        assert_eq!(step(tue, "ArrowDown", false), Some(d("2026-12-01")));
        assert_eq!(step(tue, "ArrowUp", false), Some(d("2026-11-17")));
        assert_eq!(step(tue, "Home", false), Some(d("2026-11-23")));
        assert_eq!(step(tue, "End", false), Some(d("2026-11-29")));
        assert_eq!(step(tue, "PageDown", false), Some(d("2026-12-24")));
        assert_eq!(step(tue, "PageUp", false), Some(d("2026-10-24")));
        assert_eq!(step(tue, "PageDown", true), Some(d("2027-11-24")));
        assert_eq!(
            step(d("2027-01-31"), "PageDown", false),
            Some(d("2027-02-28"))
        );
        assert_eq!(step(tue, "a", false), None);
    }
}
