//! The shared region (ipc/SPEC.md sections 2 and 6): creating it (anonymous or by name), attaching to it, and
//! checking the identity block before anything else is trusted.

use crate::layout::*;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Sizes chosen by the creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionOptions {
    pub ring0_capacity: u64,
    pub ring1_capacity: u64,
    pub max_message_size: u32,
    pub queue_size: u32,
}

impl RegionOptions {
    /// Both rings of `buffer_size` bytes (rounded up to a power of two), as `runtime.rust.ipc` configures them.
    pub fn symmetric(buffer_size: u64, max_message_size: u32, queue_size: u32) -> Self {
        let capacity = buffer_size.max(MIN_CAPACITY).next_power_of_two();
        RegionOptions {
            ring0_capacity: capacity,
            ring1_capacity: capacity,
            max_message_size,
            queue_size,
        }
    }

    fn check(&self) -> io::Result<()> {
        for (name, c) in [
            ("ring0_capacity", self.ring0_capacity),
            ("ring1_capacity", self.ring1_capacity),
        ] {
            if !c.is_power_of_two() || c < MIN_CAPACITY {
                return Err(invalid(format!(
                    "{name} {c} must be a power of two of at least {MIN_CAPACITY}"
                )));
            }
        }
        let limit = self.ring0_capacity.min(self.ring1_capacity) / 2 - RECORD_HEADER as u64;
        if self.max_message_size < 32 || u64::from(self.max_message_size) > limit {
            return Err(invalid(format!(
                "max_message_size {} must be between 32 and {limit} (half the smaller ring minus a record header)",
                self.max_message_size
            )));
        }
        if self.queue_size == 0 {
            return Err(invalid("queue_size must be at least 1".into()));
        }
        Ok(())
    }
}

/// Which end of the region this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Creator,
    Attacher,
}

impl Role {
    /// The ring this role produces into; it consumes the other one.
    pub fn outgoing_ring(self) -> usize {
        match self {
            Role::Creator => 0,
            Role::Attacher => 1,
        }
    }
}

/// One mapped region. Dropping it unmaps it; a named creator also marks it CLOSED and removes its files.
pub struct Region {
    base: *mut u8,
    size: usize,
    file: File,
    role: Role,
    named: Option<PathBuf>,
}

// The mapping is shared memory accessed only through atomics and the SPSC discipline of ring.rs.
unsafe impl Send for Region {}
unsafe impl Sync for Region {}

impl Region {
    /// An anonymous region (memfd) for a child that inherits the descriptor (section 6.1).
    pub fn create_anonymous(opts: RegionOptions) -> io::Result<Region> {
        opts.check()?;
        let name = CString::new("tandem-ring").unwrap();
        let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let file = unsafe { File::from_raw_fd(fd) };
        Self::initialize(file, opts, None)
    }

    /// A region found by name under `dir` (section 6.2): `NAME.ring`, mode 0600, locked for as long as it lives.
    pub fn create_named(dir: &Path, name: &str, opts: RegionOptions) -> io::Result<Region> {
        opts.check()?;
        let path = dir.join(format!("{name}.ring"));
        replace_stale(&path)?;
        let tmp = dir.join(format!("{name}.ring.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        lock(&file, false)?;
        let region = Self::initialize(file, opts, Some(path.clone()))?;
        std::fs::rename(&tmp, &path)?;
        Ok(region)
    }

    fn initialize(file: File, opts: RegionOptions, named: Option<PathBuf>) -> io::Result<Region> {
        let size = HEADER_SIZE as u64 + opts.ring0_capacity + opts.ring1_capacity;
        file.set_len(size)?;
        let region = Region {
            base: map(&file, size as usize)?,
            size: size as usize,
            file,
            role: Role::Creator,
            named,
        };
        let epoch = random_epoch()?;
        // The file is fresh (zeroed), so only the identity block needs writing; plain stores, published by `state`.
        unsafe {
            let put64 = |off: usize, v: u64| region.base.add(off).cast::<u64>().write(v.to_le());
            let put32 = |off: usize, v: u32| region.base.add(off).cast::<u32>().write(v.to_le());
            put64(OFF_MAGIC, MAGIC);
            put32(OFF_LAYOUT_VERSION, LAYOUT_VERSION);
            put32(OFF_HEADER_SIZE, HEADER_SIZE as u32);
            put64(OFF_EPOCH, epoch);
            put64(OFF_REGION_SIZE, size);
            put64(OFF_RING0_OFFSET, HEADER_SIZE as u64);
            put64(OFF_RING0_CAPACITY, opts.ring0_capacity);
            put64(OFF_RING1_OFFSET, HEADER_SIZE as u64 + opts.ring0_capacity);
            put64(OFF_RING1_CAPACITY, opts.ring1_capacity);
            put32(OFF_MAX_MESSAGE_SIZE, opts.max_message_size);
            put32(OFF_QUEUE_SIZE, opts.queue_size);
            put32(OFF_CREATOR_PID, std::process::id());
        }
        // Release: readiness is written last and publishes the identity block.
        region
            .word32(OFF_STATE)
            .store(STATE_READY, Ordering::Release);
        Ok(region)
    }

    /// Maps a region whose descriptor this process inherited.
    pub fn attach_fd(fd: OwnedFd) -> io::Result<Region> {
        Self::attach(File::from(fd), None)
    }

    /// Maps the region at `path` (section 6.2, step 2).
    pub fn attach_path(path: &Path) -> io::Result<Region> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot open ring region {}: {e}", path.display()),
                )
            })?;
        Self::attach(file, None)
    }

    fn attach(file: File, named: Option<PathBuf>) -> io::Result<Region> {
        let size = file.metadata()?.len();
        if size < HEADER_SIZE as u64 {
            return Err(invalid(format!(
                "region of {size} bytes is smaller than its header"
            )));
        }
        let region = Region {
            base: map(&file, size as usize)?,
            size: size as usize,
            file,
            role: Role::Attacher,
            named,
        };
        // Acquire: pairs with the creator's release of READY, after which the identity block is complete.
        let state = region.word32(OFF_STATE).load(Ordering::Acquire);
        if state != STATE_READY {
            return Err(invalid(format!("region state is {state}, not READY (1)")));
        }
        region.check_identity()?;
        // Release: informational, tells the creator an attacher mapped the region.
        region
            .word32(OFF_ATTACHER_PID)
            .store(std::process::id(), Ordering::Release);
        Ok(region)
    }

    fn check_identity(&self) -> io::Result<()> {
        let fail =
            |field: &str, why: String| Err(invalid(format!("ring region refused: {field}: {why}")));
        if self.get64(OFF_MAGIC) != MAGIC {
            return fail(
                "magic",
                format!("{:#018x} is not a Tandem ring", self.get64(OFF_MAGIC)),
            );
        }
        let version = self.get32(OFF_LAYOUT_VERSION);
        if version != LAYOUT_VERSION {
            return fail(
                "layout_version",
                format!("the region has layout {version}, this side implements {LAYOUT_VERSION}"),
            );
        }
        if self.get32(OFF_HEADER_SIZE) != HEADER_SIZE as u32 {
            return fail(
                "header_size",
                format!("{} is not {HEADER_SIZE}", self.get32(OFF_HEADER_SIZE)),
            );
        }
        if self.get32(OFF_FEATURES) != 0 {
            return fail(
                "features",
                format!("unknown feature bits {:#x}", self.get32(OFF_FEATURES)),
            );
        }
        if self.epoch() == 0 {
            return fail("epoch", "must not be zero".into());
        }
        let (c0, c1) = (self.capacity(0), self.capacity(1));
        let opts = RegionOptions {
            ring0_capacity: c0,
            ring1_capacity: c1,
            max_message_size: self.max_message_size(),
            queue_size: self.queue_size(),
        };
        opts.check()
            .map_err(|e| invalid(format!("ring region refused: {e}")))?;
        if self.get64(OFF_RING0_OFFSET) != HEADER_SIZE as u64
            || self.get64(OFF_RING1_OFFSET) != HEADER_SIZE as u64 + c0
        {
            return fail(
                "ring0_offset",
                "ring offsets do not follow the header".into(),
            );
        }
        let expected = HEADER_SIZE as u64 + c0 + c1;
        if self.get64(OFF_REGION_SIZE) != expected || self.size as u64 != expected {
            return fail(
                "region_size",
                format!(
                    "header says {}, mapped {}, rings need {expected}",
                    self.get64(OFF_REGION_SIZE),
                    self.size
                ),
            );
        }
        Ok(())
    }

    fn get64(&self, off: usize) -> u64 {
        u64::from_le(unsafe { self.base.add(off).cast::<u64>().read() })
    }
    fn get32(&self, off: usize) -> u32 {
        u32::from_le(unsafe { self.base.add(off).cast::<u32>().read() })
    }

    pub fn epoch(&self) -> u64 {
        self.get64(OFF_EPOCH)
    }
    pub fn capacity(&self, ring: usize) -> u64 {
        self.get64(if ring == 0 {
            OFF_RING0_CAPACITY
        } else {
            OFF_RING1_CAPACITY
        })
    }
    pub fn max_message_size(&self) -> u32 {
        self.get32(OFF_MAX_MESSAGE_SIZE)
    }
    pub fn queue_size(&self) -> u32 {
        self.get32(OFF_QUEUE_SIZE)
    }
    pub fn role(&self) -> Role {
        self.role
    }
    /// The process that created the region.
    pub fn creator_pid(&self) -> u32 {
        self.get32(OFF_CREATOR_PID)
    }
    pub fn path(&self) -> Option<&Path> {
        self.named.as_deref()
    }
    pub fn raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// A shared 64-bit word of the header page (section 2.2).
    pub(crate) fn word64(&self, off: usize) -> &AtomicU64 {
        debug_assert!(off.is_multiple_of(8) && off + 8 <= HEADER_SIZE);
        unsafe { &*self.base.add(off).cast::<AtomicU64>() }
    }
    pub(crate) fn word32(&self, off: usize) -> &AtomicU32 {
        debug_assert!(off.is_multiple_of(4) && off + 4 <= HEADER_SIZE);
        unsafe { &*self.base.add(off).cast::<AtomicU32>() }
    }
    /// Start of a ring's data area.
    pub(crate) fn ring_base(&self, ring: usize) -> *mut u8 {
        let offset = if ring == 0 {
            HEADER_SIZE as u64
        } else {
            HEADER_SIZE as u64 + self.capacity(0)
        };
        unsafe { self.base.add(offset as usize) }
    }

    /// Test support: conformance cases fix the epoch their records carry.
    pub(crate) fn overwrite_epoch(&self, epoch: u64) {
        unsafe { self.base.add(OFF_EPOCH).cast::<u64>().write(epoch.to_le()) };
    }

    /// Marks the session over (creator only): CLOSED on a clean close, FAILED on corruption.
    pub fn set_state(&self, state: u32) {
        if self.role == Role::Creator {
            // Release: the peer reads it with acquire to learn the session ended.
            self.word32(OFF_STATE).store(state, Ordering::Release);
        }
    }
    pub fn state(&self) -> u32 {
        self.word32(OFF_STATE).load(Ordering::Acquire)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let (Role::Creator, Some(path)) = (self.role, &self.named) {
            if self.state() == STATE_READY {
                self.set_state(STATE_CLOSED);
            }
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_file(path.with_extension("bell"));
        }
        unsafe { libc::munmap(self.base.cast(), self.size) };
    }
}

/// Section 6.2 step 3: a region whose lock nobody holds was left by a dead creator and is removed; a locked one
/// belongs to a live creator and is an error.
fn replace_stale(path: &Path) -> io::Result<()> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if lock(&file, true).is_err() {
        let mut pid = [0u8; 4];
        use std::os::unix::fs::FileExt;
        let _ = file.read_exact_at(&mut pid, OFF_CREATOR_PID as u64);
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "ring region {} is in use by a live creator (pid {})",
                path.display(),
                u32::from_le_bytes(pid)
            ),
        ));
    }
    std::fs::remove_file(path)?;
    let _ = std::fs::remove_file(path.with_extension("bell"));
    Ok(())
}

fn lock(file: &File, nonblocking: bool) -> io::Result<()> {
    let flags = libc::LOCK_EX | if nonblocking { libc::LOCK_NB } else { 0 };
    if unsafe { libc::flock(file.as_raw_fd(), flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn map(file: &File, size: usize) -> io::Result<*mut u8> {
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            prot,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(ptr.cast())
}

fn random_epoch() -> io::Result<u64> {
    loop {
        let mut buf = [0u8; 8];
        if unsafe { libc::getrandom(buf.as_mut_ptr().cast(), 8, 0) } != 8 {
            return Err(io::Error::last_os_error());
        }
        let epoch = u64::from_le_bytes(buf);
        if epoch != 0 {
            return Ok(epoch);
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// CLOCK_MONOTONIC in milliseconds, the heartbeat clock.
pub(crate) fn monotonic_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}
