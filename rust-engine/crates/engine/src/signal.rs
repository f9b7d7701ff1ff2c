//! The three signals, one type for every place that names one: the control API's `Signal`, the ring's request code,
//! otap-dataflow's `SignalType`, and the names the Collector writes in configs and messages.

use otel_arrow_dfe_config::SignalType;
use tandem_ipc::layout;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// The control API's number for it (`proto/control.proto` `Signal`), which the ring's request codes share.
    pub fn from_proto(number: i32) -> Result<Signal, String> {
        Self::from_code(u16::try_from(number).unwrap_or(0)).ok_or_else(|| format!("{number} is not a signal (1 traces, 2 metrics, 3 logs)"))
    }

    /// The signal of a ring request code, if it is one.
    pub fn from_code(code: u16) -> Option<Signal> {
        match code {
            layout::SIGNAL_TRACES => Some(Signal::Traces),
            layout::SIGNAL_METRICS => Some(Signal::Metrics),
            layout::SIGNAL_LOGS => Some(Signal::Logs),
            _ => None,
        }
    }

    pub fn code(self) -> u16 {
        match self {
            Signal::Traces => layout::SIGNAL_TRACES,
            Signal::Metrics => layout::SIGNAL_METRICS,
            Signal::Logs => layout::SIGNAL_LOGS,
        }
    }

    /// As the control API numbers it.
    pub fn proto(self) -> i32 {
        i32::from(self.code())
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }
}

impl From<Signal> for tandem_otlp_wire::Export {
    fn from(signal: Signal) -> tandem_otlp_wire::Export {
        match signal {
            Signal::Traces => tandem_otlp_wire::Export::Traces,
            Signal::Metrics => tandem_otlp_wire::Export::Metrics,
            Signal::Logs => tandem_otlp_wire::Export::Logs,
        }
    }
}

impl From<SignalType> for Signal {
    fn from(signal: SignalType) -> Signal {
        match signal {
            SignalType::Traces => Signal::Traces,
            SignalType::Metrics => Signal::Metrics,
            SignalType::Logs => Signal::Logs,
        }
    }
}

impl From<Signal> for SignalType {
    fn from(signal: Signal) -> SignalType {
        match signal {
            Signal::Traces => SignalType::Traces,
            Signal::Metrics => SignalType::Metrics,
            Signal::Logs => SignalType::Logs,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: every signal through every representation and back. Guarantee: the control API's numbers are the
    // ring's codes, and nothing else is taken for a signal.
    #[test]
    fn signal_numbers_codes_and_types_agree() {
        for signal in Signal::ALL {
            assert_eq!(Signal::from_proto(signal.proto()), Ok(signal));
            assert_eq!(Signal::from_code(signal.code()), Some(signal));
            assert_eq!(Signal::from(SignalType::from(signal)), signal);
        }
        assert_eq!((Signal::Traces.proto(), Signal::Metrics.proto(), Signal::Logs.proto()), (1, 2, 3));
        assert_eq!(Signal::from_proto(0), Err("0 is not a signal (1 traces, 2 metrics, 3 logs)".to_string()));
        assert_eq!(Signal::from_code(4), None);
    }
}
