import journal from './meta/_journal.json';
import m0000 from './0000_create_sku_stock.sql';
import m0001 from './0001_add_ledger_cursor.sql';
import m0002 from './0002_add_hold_ref.sql';
import m0003 from './0003_scope_idempotency_keys.sql';
import m0004 from './0004_add_demand.sql';
import m0005 from './0005_add_signals.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005
    }
  }
  