//! `h2lens har`: every exchange as a HAR 1.2 log, to open in browser
//! devtools.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::Args;
use h2lens::config::DataPayloads;

use super::input::{run_inspector, InputArgs};

#[derive(Args, Debug)]
pub struct HarArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: HarArgs) -> Result<ExitCode, String> {
    let mut options = args.input.options();
    options.collect = true;
    // Bodies go into the HAR too.
    options.config.output.data_payloads = DataPayloads::All;
    let inspector = run_inspector(&args.input, options, |_| Ok(())).map_err(|e| e.to_string())?;
    let mut out = BufWriter::new(io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, &inspector.har())
        .map_err(super::input::json_error)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    super::output::written(written)?;
    Ok(ExitCode::SUCCESS)
}
