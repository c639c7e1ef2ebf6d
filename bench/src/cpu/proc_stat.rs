//! Parsing `/proc/stat` and `/proc/<pid>/stat` (proc(5)).

/// A process's CPU ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ProcessTicks {
    /// Its parent's pid.
    pub parent: u32,
    /// User and system time of the process (all its threads).
    pub own: u64,
    /// User and system time of its children that ended and were waited for.
    pub ended_children: u64,
}

impl ProcessTicks {
    pub fn own(&self) -> u64 {
        self.own
    }

    pub fn with_children(&self) -> u64 {
        self.own + self.ended_children
    }
}

/// Parses one `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and
/// may hold spaces and parentheses itself, so fields are counted from the last `)`.
pub(super) fn parse_process(line: &str) -> Option<ProcessTicks> {
    let rest = &line[line.rfind(')')? + 1..];
    // Fields 3 (state) onwards: ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |number: usize| -> Option<u64> { fields.get(number - 3)?.parse().ok() };
    Some(ProcessTicks {
        parent: u32::try_from(field(4)?).ok()?,
        own: field(14)? + field(15)?,
        ended_children: field(16)? + field(17)?,
    })
}

/// Parses `/proc/stat`: the machine's busy ticks, its total ticks (all cores), and how
/// many cores it has.
pub(super) fn parse_machine(stat: &str) -> Option<(u64, u64, usize)> {
    let mut lines = stat.lines();
    let all = lines.next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = all
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let at = |index: usize| ticks.get(index).copied().unwrap_or(0);
    let idle = at(3) + at(4);
    let total: u64 = (0..8).map(at).sum();
    let cores = lines
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    Some((total - idle, total, cores.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_process_whose_name_holds_spaces_and_parentheses() {
        let line = "4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 900 0 0 0 \
                    250 75 30 12 20 0 1 0 100 1000 200 18446744073709551615";
        let ticks = parse_process(line).expect("parsed");
        assert_eq!(ticks.parent, 17);
        assert_eq!(ticks.own(), 325);
        assert_eq!(ticks.with_children(), 367);
    }

    #[test]
    fn refuses_a_truncated_process_line() {
        assert_eq!(parse_process("4242 (carneau) S 1 2 3"), None);
    }

    #[test]
    fn reads_the_machine_busy_and_total_ticks() {
        let stat = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 1 1 2 0 0\n\
                    cpu1 50 3 25 400 10 0 1 1 0 0\nintr 12345\n";
        let (busy, total, cores) = parse_machine(stat).expect("parsed");
        assert_eq!(total, 981);
        assert_eq!(busy, 161);
        assert_eq!(cores, 2);
    }
}
