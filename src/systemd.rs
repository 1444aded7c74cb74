//! Talking to systemd: the `sd_notify` protocol (`READY=1`, `STOPPING=1`, `WATCHDOG=1`,
//! `STATUS=...`) over the datagram socket systemd names in `$NOTIFY_SOCKET`, and the watchdog
//! interval from `$WATCHDOG_USEC`. Written here rather than taken from a crate: it is one
//! `sendto` on a Unix socket, and without `$NOTIFY_SOCKET` (a terminal, a test) it does nothing.

use std::time::Duration;

/// Sends `state` (e.g. `"READY=1"`) to systemd, when running under it. Errors are ignored:
/// notification is advice to the supervisor, never a reason to fail.
/// Tells systemd a reload has begun: `RELOADING=1` with `MONOTONIC_USEC`, the instant it began
/// on CLOCK_MONOTONIC in microseconds, as `Type=notify-reload` (systemd 253 and later) requires
/// to tell this reload from an earlier one; older versions read `RELOADING=1` alone. `READY=1`
/// follows when the reload is done, whether it took effect or was refused.
pub fn reloading() {
    notify(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
}

/// CLOCK_MONOTONIC in microseconds: the clock sd_notify's `MONOTONIC_USEC` is read against.
pub fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a pointer to a live local; it cannot
    // fail for CLOCK_MONOTONIC, which Linux always has.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

pub fn notify(state: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::net::UnixDatagram;
        let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
            return;
        };
        let Ok(socket) = UnixDatagram::unbound() else {
            return;
        };
        let bytes = path.as_encoded_bytes();
        let _ = if let Some(name) = bytes.strip_prefix(b"@") {
            // An abstract socket: the name after '@'.
            #[cfg(target_os = "linux")]
            {
                use std::os::linux::net::SocketAddrExt;
                match std::os::unix::net::SocketAddr::from_abstract_name(name) {
                    Ok(addr) => socket.send_to_addr(state.as_bytes(), &addr),
                    Err(e) => Err(e),
                }
            }
            #[cfg(not(target_os = "linux"))]
            {
                let _ = name;
                Ok(0)
            }
        } else {
            socket.send_to(state.as_bytes(), std::path::Path::new(&path))
        };
    }
}

/// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC` (systemd's advice), when the
/// watchdog is on for this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Some(pid) = std::env::var("WATCHDOG_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
    {
        if pid != std::process::id() {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}
