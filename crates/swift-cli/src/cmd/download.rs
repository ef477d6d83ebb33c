//! `swift download`.

use crate::{CmdResult, Ctx};

pub async fn run(_ctx: Ctx<'_>) -> CmdResult {
    Ok(())
}
