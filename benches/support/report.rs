//! Where benchmarks put their results: one section each in bench/results.md, quoted in the
//! README between the same markers, so one benchmark never overwrites another's numbers.

/// Replace (or append) the section `name` of bench/results.md and of the README with `md`.
pub fn publish(name: &str, title: &str, md: &str) {
    let root = &consult::server::config::source_dir();
    let (start, end) = (
        format!("<!-- bench:{name}:start -->"),
        format!("<!-- bench:{name}:end -->"),
    );
    let section = format!("{start}\n{md}{end}");
    std::fs::create_dir_all(root.join("bench")).expect("bench folder");
    let results_path = root.join("bench/results.md");
    let results = std::fs::read_to_string(&results_path)
        .unwrap_or_else(|_| "# Benchmark results\n\nWritten by `bash scripts/bench.sh`.\n".into());
    let results = replace_between(&results, &start, &end, &section)
        .unwrap_or_else(|| format!("{}\n## {title}\n\n{section}\n", results.trim_end()));
    std::fs::write(&results_path, results).expect("write bench/results.md");
    // The README quotes only sections it already has markers for.
    let readme_path = root.join("README.md");
    if let Ok(readme) = std::fs::read_to_string(&readme_path) {
        if let Some(updated) = replace_between(&readme, &start, &end, &section) {
            std::fs::write(&readme_path, updated).expect("write README.md");
        }
    }
}

fn replace_between(text: &str, start: &str, end: &str, section: &str) -> Option<String> {
    let i = text.find(start)?;
    let j = text[i..].find(end)? + i + end.len();
    Some(format!("{}{section}{}", &text[..i], &text[j..]))
}
