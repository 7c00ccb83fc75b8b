//! What a load run measured: one [`Sample`] per request, folded into a
//! [`Report`] of counts by outcome and latency percentiles, and printed as
//! `key: value` lines.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A `SendRequestResponse` came back.
    Ok,
    /// A SOAP fault, named by its detail element (or faultcode).
    Fault(String),
    /// The exchange failed below SOAP: refused, reset, timed out.
    Transport,
    /// An answer came that is not a SOAP reply, or not a receipt.
    Unreadable,
}

/// One finished request.
#[derive(Debug, Clone)]
pub struct Sample {
    /// How it ended.
    pub outcome: Outcome,
    /// From the first byte written to the last byte read.
    pub latency: Duration,
}

/// The summary of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Requests prepared.
    pub requests: usize,
    /// Requests answered with a receipt.
    pub ok: usize,
    /// SOAP faults by element name.
    pub faults: BTreeMap<String, usize>,
    /// Transport failures.
    pub transport_errors: usize,
    /// Answers that were not a receipt or a fault.
    pub unreadable: usize,
    /// Requests never finished because the global deadline passed.
    pub unfinished: usize,
    /// Wall time from the first send to the last answer.
    pub elapsed: Duration,
    /// Latency percentiles of the successful requests.
    pub latency: Percentiles,
}

/// Latency percentiles (nearest rank).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted`, which must
/// be in ascending order; zero for an empty slice.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted[index]
}

// === impl Report ===

impl Report {
    /// Folds the samples of a run of `requests` requests that took `elapsed`.
    pub fn new(requests: usize, samples: &[Sample], elapsed: Duration) -> Report {
        let mut report = Report {
            requests,
            unfinished: requests.saturating_sub(samples.len()),
            elapsed,
            ..Report::default()
        };
        let mut latencies = Vec::with_capacity(samples.len());
        for sample in samples {
            match &sample.outcome {
                Outcome::Ok => {
                    report.ok += 1;
                    latencies.push(sample.latency);
                }
                Outcome::Fault(element) => *report.faults.entry(element.clone()).or_default() += 1,
                Outcome::Transport => report.transport_errors += 1,
                Outcome::Unreadable => report.unreadable += 1,
            }
        }
        latencies.sort_unstable();
        report.latency = Percentiles::of_sorted(&latencies);
        report
    }

    /// Successful requests per second of wall time.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// True when every prepared request got a receipt.
    pub fn all_ok(&self) -> bool {
        self.ok == self.requests
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: usize = self.faults.values().sum();
        writeln!(f, "requests: {}", self.requests)?;
        writeln!(f, "ok: {}", self.ok)?;
        writeln!(f, "faults: {faults}")?;
        for (element, count) in &self.faults {
            writeln!(f, "fault {element}: {count}")?;
        }
        writeln!(f, "transport errors: {}", self.transport_errors)?;
        writeln!(f, "unreadable replies: {}", self.unreadable)?;
        writeln!(f, "unfinished: {}", self.unfinished)?;
        writeln!(f, "elapsed: {:.3} s", self.elapsed.as_secs_f64())?;
        writeln!(f, "throughput: {:.1} req/s", self.throughput())?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(f, "latency p50: {:.2} ms", ms(self.latency.p50))?;
        writeln!(f, "latency p90: {:.2} ms", ms(self.latency.p90))?;
        writeln!(f, "latency p99: {:.2} ms", ms(self.latency.p99))?;
        write!(f, "latency max: {:.2} ms", ms(self.latency.max))
    }
}

// === impl Percentiles ===

impl Percentiles {
    /// Percentiles of an ascending slice.
    pub fn of_sorted(sorted: &[Duration]) -> Percentiles {
        Percentiles {
            p50: percentile(sorted, 50.0),
            p90: percentile(sorted, 90.0),
            p99: percentile(sorted, 99.0),
            max: sorted.last().copied().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn percentile_of_hundred_values_picks_nearest_rank() {
        let sorted = millis(1..=100);
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 90.0), Duration::from_millis(90));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
    }

    #[test]
    fn percentile_of_few_values_rounds_rank_up() {
        let sorted = millis([10, 20, 30]);
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(20));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(30));
        assert_eq!(percentile(&sorted, 1.0), Duration::from_millis(10));
    }

    #[test]
    fn percentile_of_empty_slice_is_zero() {
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }

    #[test]
    fn report_with_fault_and_missing_sample_is_not_all_ok() {
        let sample = |outcome, ms| Sample {
            outcome,
            latency: Duration::from_millis(ms),
        };
        let samples = [
            sample(Outcome::Ok, 5),
            sample(Outcome::Ok, 7),
            sample(Outcome::Fault("DestinationOverflow".into()), 1),
            sample(Outcome::Transport, 60_000),
        ];
        let report = Report::new(5, &samples, Duration::from_secs(2));

        assert_eq!(report.ok, 2);
        assert_eq!(report.faults.get("DestinationOverflow"), Some(&1));
        assert_eq!(report.transport_errors, 1);
        assert_eq!(report.unfinished, 1);
        assert_eq!(report.latency.max, Duration::from_millis(7));
        assert!((report.throughput() - 1.0).abs() < 1e-9);
        assert!(!report.all_ok());
    }
}
