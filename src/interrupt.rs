//! Ctrl-C: the first sets the stop flag that a training session checks before each iteration
//! (it then checkpoints and returns); a second exits at once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Registers the handler and returns the flag it sets.
pub fn stop_on_ctrl_c() -> std::io::Result<Arc<AtomicBool>> {
    use signal_hook::consts::SIGINT;
    let flag = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(SIGINT, 130, flag.clone())?;
    signal_hook::flag::register(SIGINT, flag.clone())?;
    Ok(flag)
}
