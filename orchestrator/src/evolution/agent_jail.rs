//! The command agent's jail ([`agents::CommandJail`]) over the sandbox's agent jail.

use agents::{CommandJail, JailRequest};
use sandbox::{AgentCommand, AgentJail};

/// Runs external agents in a run's [`AgentJail`].
pub struct JailedAgents(pub AgentJail);

impl CommandJail for JailedAgents {
    fn command(&self, request: &JailRequest) -> Result<std::process::Command, String> {
        self.0
            .command(&AgentCommand {
                program: request.program.clone(),
                args: request.args.clone(),
                env: request.env.clone(),
                worktree: request.worktree.clone(),
                readable: request.readable.clone(),
            })
            .map_err(|e| format!("cannot isolate the agent command: {e}"))
    }

    fn sweep(&self) {
        self.0.sweep();
    }
}
