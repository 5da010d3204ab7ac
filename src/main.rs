//! `consult`: with feature `ssr` the server's command line; with `csr` (wasm32, built by
//! Trunk) the widget's entry point.
#![forbid(unsafe_code)]

#[cfg(all(feature = "ssr", feature = "csr"))]
compile_error!(
    "features `ssr` and `csr` are never combined: build the server and the widget separately"
);

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    consult::server::cli::main().await
}

#[cfg(all(feature = "csr", not(feature = "ssr")))]
fn main() {
    consult::widget::start();
}

#[cfg(not(any(feature = "ssr", feature = "csr")))]
fn main() {
    eprintln!(
        "build with `--features ssr` (the server) or `--features csr` (the widget, via Trunk)"
    );
    std::process::exit(2);
}
