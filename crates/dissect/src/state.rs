//! State that spans frames: what a dissector must remember from earlier
//! packets to show a later one as tshark does (TCP stream indexes and first
//! sequence numbers for relative numbering, UDP stream indexes…).
//!
//! The analysis crate grows this into full conversation tracking; here lives
//! only what the packet list itself needs.

/// Capture-wide dissection state.
#[derive(Default, Debug)]
pub struct State {
    /// DNS queries and responses, for `dns.response_to` and retransmissions.
    pub dns: crate::proto::dns::Transactions,
    /// HTTP requests per conversation, to match responses to them.
    pub http: crate::proto::http::Conversations,
    /// TLS sessions: version, Change Cipher Spec seen, records owed.
    pub tls: crate::proto::tls::Sessions,
}
