// The app's one update state, shared by the start-up check (a notice on every page) and Settings.
import { toBackendError, type Backend, type BackendError } from './backend';
import type { UpdateOffer } from './bindings';

export type UpdatePhase =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'current' }
  | { kind: 'offer'; offer: UpdateOffer }
  | { kind: 'downloading'; offer: UpdateOffer; downloaded: number; total: number | null }
  | { kind: 'installed'; offer: UpdateOffer }
  | { kind: 'failed'; error: BackendError; offer: UpdateOffer | null };

const CHECK_AT_START = 'vmdeck.updates.checkAtStart';

class Updates {
  phase = $state<UpdatePhase>({ kind: 'idle' });
  /** The start-up notice was dismissed; Settings still shows the offer. */
  noticeDismissed = $state(false);

  get checkAtStart(): boolean {
    return localStorage.getItem(CHECK_AT_START) !== 'off';
  }

  set checkAtStart(on: boolean) {
    localStorage.setItem(CHECK_AT_START, on ? 'on' : 'off');
  }

  /**
   * Asks for a newer release. At start (`quiet`) a failure is not shown: a source build cannot update and
   * an offline machine should not greet the user with an error. A check from Settings shows everything.
   */
  async check(backend: Backend, { quiet = false } = {}): Promise<void> {
    if (this.phase.kind === 'checking' || this.phase.kind === 'downloading') return;
    const before = this.phase;
    this.phase = { kind: 'checking' };
    try {
      const offer = await backend.updateCheck();
      this.phase = offer ? { kind: 'offer', offer } : { kind: 'current' };
    } catch (raw) {
      this.phase = quiet ? before : { kind: 'failed', error: toBackendError(raw), offer: null };
    }
  }

  async install(backend: Backend): Promise<void> {
    if (this.phase.kind !== 'offer') return;
    const offer = this.phase.offer;
    this.phase = { kind: 'downloading', offer, downloaded: 0, total: null };
    try {
      await backend.updateInstall(({ downloaded, total }) => {
        this.phase = { kind: 'downloading', offer, downloaded, total };
      });
      this.phase = { kind: 'installed', offer };
    } catch (raw) {
      const error = toBackendError(raw);
      // The Rust side hands the update to the installer once; after a refusal, the next try checks again.
      this.phase = { kind: 'failed', error, offer: null };
    }
  }
}

export const updates = new Updates();
