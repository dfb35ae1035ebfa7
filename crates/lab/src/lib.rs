//! wirelab lab (placeholder until link.rs lands).
