//! Ctrl-C: the first sets the stop flag that a training session checks before each iteration
//! (it then checkpoints and returns); a second exits at once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Registers the handler and returns the flag it sets.
pub fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>, String> {
    use signal_hook::consts::SIGINT;
    let flag = Arc::new(AtomicBool::new(false));
    let register = |result: std::io::Result<_>| result.map(|_| ()).map_err(|e| format!("cannot handle Ctrl-C: {e}"));
    register(signal_hook::flag::register_conditional_shutdown(SIGINT, 130, flag.clone()))?;
    register(signal_hook::flag::register(SIGINT, flag.clone()))?;
    Ok(flag)
}
