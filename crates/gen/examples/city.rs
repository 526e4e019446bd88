//! Writes a synthetic city to files and reports how long it took and what it holds.
//!
//! ```text
//! cargo run --release -p credence-gen --example city -- [people] [orgs] [years] [density] [jsonl|csv] [dir]
//! ```
//!
//! Defaults: the default configuration (1000 people, 100 organisations, 3 years, density 1.0),
//! JSONL, into `target/gen-city` under the current directory.

use std::path::PathBuf;
use std::time::Instant;

use credence_gen::{Format, GenConfig, write_files};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let defaults = GenConfig::default();
    let number = |i: usize, default: usize| {
        args.get(i)
            .and_then(|a| a.replace('_', "").parse().ok())
            .unwrap_or(default)
    };
    let config = GenConfig {
        people: number(0, defaults.people),
        orgs: number(1, defaults.orgs),
        years: args
            .get(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(defaults.years),
        density: args
            .get(3)
            .and_then(|a| a.parse().ok())
            .unwrap_or(defaults.density),
        ..defaults
    };
    let format = match args.get(4).map(String::as_str) {
        Some("csv") => Format::Csv,
        _ => Format::Jsonl,
    };
    let dir = args
        .get(5)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/gen-city"));
    let started = Instant::now();
    let mut passes = 0u32;
    let total = (config.people + config.orgs) as u64;
    let manifest = write_files(&config, &dir, format, &mut |done| {
        if done == total {
            passes += 1;
        }
    })?;
    let elapsed = started.elapsed();
    println!(
        "{} people, {} organisations ({} legacy), {} years, density {}: {} events in {:.2?} \
         ({passes} pass(es)) -> {}",
        manifest.people,
        manifest.organisations,
        manifest.legacy_organisations,
        manifest.config.years,
        manifest.config.density,
        manifest.events,
        elapsed,
        dir.display()
    );
    for (action, count) in &manifest.actions {
        println!("  action {action:<15} {count:>10}");
    }
    for (source, categories) in &manifest.counts {
        for (category, count) in categories {
            println!("  {source:<22} {category:<30} {count:>10}");
        }
    }
    Ok(())
}
