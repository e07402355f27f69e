import type { AccountView } from './bindings';
import type { Row } from './machines';

/**
 * What the Machines page last showed, for the command palette, which lives outside that page. Replaced whole
 * (raw state): thousands of rows are not wrapped in proxies.
 */
class FleetView {
  accounts = $state.raw<AccountView[]>([]);
  rows = $state.raw<Row[]>([]);
}

export const fleetView = new FleetView();
