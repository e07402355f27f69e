//! Process-wide settings made once at start, before any thread is spawned.

/// glibc gives every thread that allocates under contention its own malloc arena, up to 8 per core, and
/// freed memory stays in the arena it came from. With the async runtime's threads handling a large fleet
/// listing every few seconds, that kept tens of MiB resident that no arena reused (`.ci/bench-memory`).
/// Two arenas are plenty for this app's allocation rate.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called at start, before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
