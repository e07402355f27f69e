//! VMs that move through states over time, the same for every fake cloud; each backend maps a
//! machine's phase (and how far into it the machine is) to its own status values.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Lasts two steps: backends with a two-stage build (Hyperstack CREATING → BUILD) show both.
    Creating,
    Running,
    Stopping,
    Stopped,
    Starting,
    Rebooting,
    /// Hyperstack's hibernation: HIBERNATING for one step, then HIBERNATED until restored (RESTORING, one step).
    Hibernating,
    Hibernated,
    Restoring,
    /// Lasts one step; then the machine is gone.
    Deleting,
}

impl Phase {
    fn steps(self) -> Option<u32> {
        match self {
            Phase::Creating => Some(2),
            Phase::Stopping
            | Phase::Starting
            | Phase::Rebooting
            | Phase::Hibernating
            | Phase::Restoring
            | Phase::Deleting => Some(1),
            Phase::Running | Phase::Stopped | Phase::Hibernated => None,
        }
    }

    fn next(self) -> Option<Phase> {
        match self {
            Phase::Creating | Phase::Starting | Phase::Rebooting | Phase::Restoring => Some(Phase::Running),
            Phase::Stopping => Some(Phase::Stopped),
            Phase::Hibernating => Some(Phase::Hibernated),
            Phase::Deleting | Phase::Running | Phase::Stopped | Phase::Hibernated => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub id: String,
    pub name: String,
    pub phase: Phase,
    since: Instant,
    /// The address the fake reports; a test may point it at a real local server.
    pub public_ip: Option<String>,
    /// The backend's record for this VM, from its fixtures, with id and name set.
    pub record: serde_json::Value,
}

impl Machine {
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        phase: Phase,
        record: serde_json::Value,
    ) -> Self {
        Self { id: id.into(), name: name.into(), phase, since: Instant::now(), public_ip: None, record }
    }

    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.since = Instant::now();
    }
}

/// The machines of one fake, in creation order.
#[derive(Debug)]
pub struct Machines {
    step: Duration,
    items: Vec<Machine>,
}

/// Why a lifecycle action was refused; each backend words it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    WrongState(Phase),
}

impl Machines {
    pub fn new(step: Duration) -> Self {
        Self { step, items: Vec::new() }
    }

    pub fn insert(&mut self, machine: Machine) {
        self.items.push(machine);
    }

    /// Moves every machine on by the time that passed, and drops the deleted ones.
    pub fn settle(&mut self) {
        let step = self.step;
        for machine in &mut self.items {
            while let (Some(steps), Some(next)) = (machine.phase.steps(), machine.phase.next()) {
                if machine.since.elapsed() < step * steps {
                    break;
                }
                let entered = machine.since + step * steps;
                machine.phase = next;
                machine.since = entered;
            }
        }
        self.items.retain(|m| !(m.phase == Phase::Deleting && m.since.elapsed() >= step));
    }

    /// Which step of its phase a machine is in (0 for the first), for backends with staged states.
    pub fn stage(&self, machine: &Machine) -> u32 {
        (machine.since.elapsed().as_millis() / self.step.as_millis().max(1)) as u32
    }

    pub fn list(&mut self) -> Vec<Machine> {
        self.settle();
        self.items.clone()
    }

    pub fn get(&mut self, id: &str) -> Option<Machine> {
        self.settle();
        self.items.iter().find(|m| m.id == id).cloned()
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Machine> {
        self.settle();
        self.items.iter_mut().find(|m| m.id == id)
    }

    pub fn names(&mut self) -> Vec<String> {
        self.settle();
        self.items.iter().map(|m| m.name.clone()).collect()
    }

    /// Starts a transition when the machine is in one of `from`.
    pub fn transition(&mut self, id: &str, from: &[Phase], to: Phase) -> Result<(), Refusal> {
        let machine = self.get_mut(id).ok_or(Refusal::NotFound)?;
        if !from.contains(&machine.phase) {
            return Err(Refusal::WrongState(machine.phase));
        }
        machine.enter(to);
        Ok(())
    }

    pub fn start(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Stopped], Phase::Starting)
    }

    pub fn stop(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Running], Phase::Stopping)
    }

    /// The guest powered itself off (`poweroff` inside it): stopped at once, with no API call.
    pub fn power_off_inside(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Running], Phase::Stopped)
    }

    pub fn reboot(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Running], Phase::Rebooting)
    }

    pub fn hibernate(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Running], Phase::Hibernating)
    }

    pub fn restore(&mut self, id: &str) -> Result<(), Refusal> {
        self.transition(id, &[Phase::Hibernated], Phase::Restoring)
    }

    pub fn delete(&mut self, id: &str) -> Result<(), Refusal> {
        let all = [
            Phase::Creating,
            Phase::Running,
            Phase::Stopping,
            Phase::Stopped,
            Phase::Starting,
            Phase::Rebooting,
            Phase::Hibernated,
        ];
        self.transition(id, &all, Phase::Deleting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_machine_runs_after_two_steps_and_a_deleted_one_disappears() {
        let mut machines = Machines::new(Duration::from_millis(20));
        machines.insert(Machine::new("1", "a", Phase::Creating, serde_json::json!({})));
        assert_eq!(machines.get("1").unwrap().phase, Phase::Creating);
        std::thread::sleep(Duration::from_millis(45));
        assert_eq!(machines.get("1").unwrap().phase, Phase::Running);
        assert_eq!(machines.start("1"), Err(Refusal::WrongState(Phase::Running)));
        machines.stop("1").unwrap();
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(machines.get("1").unwrap().phase, Phase::Stopped);
        machines.delete("1").unwrap();
        assert_eq!(machines.get("1").unwrap().phase, Phase::Deleting);
        std::thread::sleep(Duration::from_millis(25));
        assert!(machines.get("1").is_none());
        assert_eq!(machines.delete("1"), Err(Refusal::NotFound));
    }
}
