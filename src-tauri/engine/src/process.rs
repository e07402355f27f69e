//! Process-wide settings made once at start, before any thread is spawned.

/// glibc gives every thread that allocates under contention its own malloc arena, up to 8 per core, and
/// freed memory stays in the arena it came from. With the async runtime's threads handling a large fleet
/// listing every few seconds, that kept tens of MiB resident that no arena reused (`.ci/bench-memory`).
/// Two arenas are plenty for this app's allocation rate.
///
/// Blocks of 256 KiB and more (a listing's response body, the fleet cache's text) are mapped on their own and
/// go back to the system when freed. glibc would otherwise raise that threshold to the largest block freed so
/// far (up to 32 MiB), after which those transient megabytes are carved from the heap and leave holes in it.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called at start, before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Hands memory freed since the last call back to the system (glibc keeps freed pages of its heaps for
/// reuse). Called after each fleet listing: the parse of thousands of VMs leaves megabytes free that the next
/// listing, seconds or minutes later, does not need all of. A few milliseconds at most.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system; it is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
