import journal from './meta/_journal.json';
import m0000 from './0000_create_stream_hub.sql';
import m0001 from './0001_add_sync_channels.sql';
import m0002 from './0002_add_revoked_keys_and_used_tickets.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002
    }
  }
  