//! Standard output and error that a closed pipe ends quietly (`eventbus events list | head -1`):
//! a write to a closed standard output becomes [`CliError::StdoutClosed`], which exits with 0 and
//! no message; a message to a closed standard error is dropped.

use crate::commands::CliError;
use std::io::Write;

/// Write `text` and a newline to standard output and flush it.
pub fn line(text: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(CliError::from_stdout)
}

/// Write `text` and a newline to standard error, ignoring a closed one.
pub fn note(text: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// `println!` that returns `Result<(), CliError>` instead of panicking on a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that ignores a closed standard error.
macro_rules! noteln {
    ($($arg:tt)*) => {
        $crate::stdout::note(format_args!($($arg)*))
    };
}

pub(crate) use {noteln, outln};
