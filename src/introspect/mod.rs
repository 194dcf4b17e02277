//! Introspection.
