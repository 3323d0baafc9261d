import m0000 from './0000_create_webhooks.sql';
import m0001 from './0001_add_signal_log.sql';
import m0002 from './0002_add_ads_relay.sql';
import journal from './meta/_journal.json';

export default {
  journal,
  migrations: {
    m0000,
    m0001,
    m0002,
  },
};
