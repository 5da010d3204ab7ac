//! What a page costs a visitor over the wire (brotli, as the server sends it): the page and
//! every file it loads from its origin. Shared by the size budgets (tests) and the journey
//! benchmark.

/// The bytes a browser downloads for `url` (brotli accepted, nothing decompressed).
pub async fn wire(client: &reqwest::Client, url: &str) -> (usize, String) {
    let res = client
        .get(url)
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{url}: {}", res.status());
    let encoding = res
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.bytes().await.unwrap().len(), encoding)
}

/// A page's bytes and the files it loads (path, bytes), the page first.
pub async fn page_bytes(base: &str, path: &str) -> (usize, Vec<(String, usize)>) {
    let client = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();
    let url = format!("{base}{path}");
    let (page, _) = wire(&client, &url).await;
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let mut parts = vec![("page".to_string(), page)];
    // Every file the page names on this origin: its stylesheet, script, wasm.
    for piece in html.split(['"', '\'', ' ', '>', '=', '(', ')', ';']) {
        let asset = piece.trim();
        let ours =
            asset.starts_with('/') && [".css", ".js", ".wasm"].iter().any(|e| asset.ends_with(e));
        if ours && !parts.iter().any(|(p, _)| p == asset) {
            let (n, encoding) = wire(&client, &format!("{base}{asset}")).await;
            assert_eq!(encoding, "br", "{asset}");
            parts.push((asset.to_string(), n));
        }
    }
    (parts.iter().map(|(_, n)| n).sum(), parts)
}
