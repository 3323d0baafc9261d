import journal from './meta/_journal.json';
import m0000 from './0000_create_stream_hub.sql';
import m0001 from './0001_add_sync_channels.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001
    }
  }
  