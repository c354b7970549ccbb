//! Counters for `GET /metrics`, in the Prometheus text format (version 0.0.4): requests by reason
//! code and status, a latency histogram, and the connections open.

use std::borrow::Cow;

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// Latency buckets in seconds: a verified callback forwarded to a local app takes about a
/// millisecond; the upper ones catch a slow app or store.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: Histogram,
    connections: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        // The names, help texts, labels and buckets are fixed and valid: the crate refuses only
        // malformed ones, and a name registered twice.
        let requests = IntCounterVec::new(
            Opts::new(
                "smile_sec_guard_requests_total",
                "Requests answered, by reason code and HTTP status",
            ),
            &["reason", "status"],
        )
        .expect("a valid counter");
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "smile_sec_guard_request_duration_seconds",
                "Time from the request's head to the end of the answer",
            )
            .buckets(BUCKETS.to_vec()),
        )
        .expect("a valid histogram");
        let connections = IntGauge::new(
            "smile_sec_guard_connections_open",
            "Client connections open",
        )
        .expect("a valid gauge");
        let registry = Registry::new();
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(connections.clone()),
        ] {
            registry
                .register(metric)
                .expect("each name registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            connections,
        }
    }
}

impl Metrics {
    /// Counts a request, and puts its time (`None`: not known) in the latency histogram.
    pub fn observe(&self, reason: &'static str, status: u16, seconds: Option<f64>) {
        // The status's digits from hyper's table: no text is made for every request.
        let code = hyper::StatusCode::from_u16(status);
        let label = match &code {
            Ok(code) => Cow::Borrowed(code.as_str()),
            Err(_) => Cow::Owned(status.to_string()),
        };
        self.requests.with_label_values(&[reason, &label]).inc();
        if let Some(seconds) = seconds {
            self.latency.observe(seconds);
        }
    }

    pub fn connection_opened(&self) {
        self.connections.inc();
    }

    pub fn connection_closed(&self) {
        self.connections.dec();
    }

    /// The text `GET /metrics` answers.
    pub fn render(&self) -> String {
        let mut text = Vec::new();
        // Writing to a Vec cannot fail, and the text format writes UTF-8.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut text);
        String::from_utf8(text).unwrap_or_default()
    }
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_latency_are_rendered() {
        let metrics = Metrics::default();
        metrics.observe("ok", 200, Some(0.002));
        metrics.observe("ok", 200, Some(0.002));
        metrics.observe("bad_signature", 401, Some(0.0001));
        metrics.observe("malformed_request", 400, None);
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
        // Counted, but with no time of its own.
        assert!(text.contains(
            r#"smile_sec_guard_requests_total{reason="malformed_request",status="400"} 1"#
        ));
        assert!(text.contains("smile_sec_guard_request_duration_seconds_count 3"));
        assert!(text.contains(r#"smile_sec_guard_request_duration_seconds_bucket{le="0.0025"} 3"#));
        assert!(text.contains(r#"smile_sec_guard_request_duration_seconds_bucket{le="0.0005"} 1"#));
        // The Prometheus text format names a counter's family with its `_total`.
        assert!(
            text.contains("# TYPE smile_sec_guard_requests_total counter"),
            "{text}"
        );
        assert!(!text.contains("# EOF"), "{text}");
    }
}
