//! Prepares the built-in benchmarks (or the configs given with `--config`):
//! `cargo run --release -p survey --example prepare -- <data_dir> <out_dir> [--config file.toml]...`

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut configs = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--config" {
            let path = PathBuf::from(it.next().expect("--config needs a file"));
            match survey::SurveyConfig::from_file(&path) {
                Ok(c) => configs.push(c),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2);
                }
            }
        } else {
            positional.push(PathBuf::from(a));
        }
    }
    let [data_dir, out_dir] = positional.as_slice() else {
        eprintln!("usage: prepare <data_dir> <out_dir> [--config file.toml]...");
        std::process::exit(2);
    };
    if configs.is_empty() {
        configs = survey::builtin_configs()
            .into_iter()
            .map(|(_, c)| c)
            .collect();
    }
    std::fs::create_dir_all(out_dir).expect("create out dir");
    for config in &configs {
        match survey::prepare(config, data_dir, out_dir) {
            Ok(summary) => println!("{summary}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
}
