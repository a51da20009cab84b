use clap::Parser;

/// Find entries in the file system.
#[derive(Parser)]
struct Opt {
    /// The search pattern.
    pattern: Option<String>,
}

fn main() {
    let opt = Opt::parse();
    let re = regex::Regex::new(opt.pattern.as_deref().unwrap_or(".")).expect("pattern");
    for entry in ignore::Walk::new(".").flatten() {
        if re.is_match(&entry.path().to_string_lossy()) {
            println!("{}", entry.path().display());
        }
    }
}
