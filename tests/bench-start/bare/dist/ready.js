// The same signal VMDeck's UI gives: the first screen has been painted (two animation frames after load).
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('first_screen', { pageMs: performance.now() })));
