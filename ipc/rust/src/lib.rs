//! The Tandem ring: shared-memory SPSC rings between the Tandem host and engine, specified in `ipc/SPEC.md`.
//!
//! [`Region`] maps and checks the shared region, [`Producer`] and [`Consumer`] move records through one ring, and
//! [`Session`] runs requests and responses over both rings with tokio.

pub mod alloc;
pub mod layout;
mod record;
mod region;
mod ring;
mod session;

pub use record::{Corruption, Header};
pub use region::{Region, RegionOptions, Role};
pub use ring::{Claim, Consumer, Producer, Record, testing};
pub use session::{
    Answer, Incoming, Reply, RequestError, Session, SessionOptions, SessionStats, Submitted,
    create_inherited,
};
