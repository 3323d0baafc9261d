import journal from './meta/_journal.json';
import m0000 from './0000_create_channel_sync.sql';
import m0001 from './0001_add_item_detail.sql';
import m0002 from './0002_add_expectations.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002
    }
  }
  