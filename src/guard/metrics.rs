//! Counters for `GET /metrics`, in the Prometheus exposition format: requests by reason code and
//! status, a latency histogram, and the connections open.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Latency buckets in seconds: a verified callback forwarded to a local app takes about a
/// millisecond; the upper ones catch a slow app or store.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    reason: &'static str,
    status: u16,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Histogram,
    connections: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<Labels, Counter>::default();
        let latency = Histogram::new(BUCKETS);
        let connections = Gauge::default();
        let mut registry = Registry::with_prefix("smile_sec_guard");
        registry.register(
            "requests",
            "Requests answered, by reason code and HTTP status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from the request's head to the end of the answer",
            latency.clone(),
        );
        registry.register(
            "connections_open",
            "Client connections open",
            connections.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            connections,
        }
    }
}

impl Metrics {
    pub fn observe(&self, reason: &'static str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&Labels { reason, status })
            .inc();
        self.latency.observe(seconds);
    }

    pub fn connection_opened(&self) {
        self.connections.inc();
    }

    pub fn connection_closed(&self) {
        self.connections.dec();
    }

    /// The text `GET /metrics` answers.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

/// The content type of [`Metrics::render`]'s text (OpenMetrics, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_latency_are_rendered() {
        let metrics = Metrics::default();
        metrics.observe("ok", 200, 0.002);
        metrics.observe("ok", 200, 0.002);
        metrics.observe("bad_signature", 401, 0.0001);
        let text = metrics.render();
        assert!(
            text.contains(r#"smile_sec_guard_requests_total{reason="ok",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"smile_sec_guard_requests_total{reason="bad_signature",status="401"} 1"#
            )
        );
        assert!(text.contains("smile_sec_guard_request_duration_seconds_count 3"));
        assert!(text.contains(r#"smile_sec_guard_request_duration_seconds_bucket{le="0.0025"} 3"#));
        assert!(text.contains(r#"smile_sec_guard_request_duration_seconds_bucket{le="0.0005"} 1"#));
    }
}
