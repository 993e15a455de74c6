/**
 * The DataSource the TypeORM CLI uses (`npx typeorm -d ormconfig.ts migration:show`).
 * The gateway itself opens its database through src/db/datasource.ts with the same options.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config';
import { dataSourceOptions } from './src/db/datasource';

export default new DataSource(dataSourceOptions(loadConfig().databaseUrl));
