import journal from './meta/_journal.json';
import m0000 from './0000_create_stream_hub.sql';

  export default {
    journal,
    migrations: {
      m0000
    }
  }
  