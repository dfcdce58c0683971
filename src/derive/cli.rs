//! `specgate derive`: read the page, derive, write the skeleton whole or not at all.

use std::process::ExitCode;

use crate::cli::DeriveArgs;
use crate::exit;

use super::{derive, read_page, yaml, DocError};

pub fn main(args: DeriveArgs) -> ExitCode {
    match skeleton(&args) {
        Ok(()) => exit::code(exit::PASSED),
        Err(e) => {
            eprintln!("{e}");
            exit::code(exit::USAGE)
        }
    }
}

fn skeleton(args: &DeriveArgs) -> Result<(), DocError> {
    let page = read_page(&args.doc)?;
    let text = yaml::render(&derive(&page));
    match &args.out {
        None => {
            print!("{text}");
            Ok(())
        }
        // Written beside the target and renamed over it: a failed write leaves no half spec.
        Some(out) => {
            let tmp = out.with_extension("yaml.partial");
            let write = |e| DocError::Write { path: out.clone(), source: e };
            std::fs::write(&tmp, &text).map_err(write)?;
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                write(e)
            })
        }
    }
}
