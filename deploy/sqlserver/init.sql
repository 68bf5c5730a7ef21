-- What the ledger nodes need on a fresh SQL Server, run by the sqlserver-init service of
-- deploy/compose.sqlserver.yml as sa. Safe to run again: it changes only what is missing, and
-- sets the ledger login's password from the LEDGER_DB_PASSWORD sqlcmd variable (-v).
--
-- The journal plugin creates its tables on first start (auto-initialize), not the database, so
-- the database and a login allowed to create tables in it come first.

IF DB_ID(N'ledger') IS NULL
    CREATE DATABASE ledger;
GO

-- Readers (the read journal, replays, recovery) see the last committed rows instead of waiting
-- on the journal's writers. Set once, while no node is connected yet.
IF EXISTS (SELECT 1 FROM sys.databases WHERE name = N'ledger' AND is_read_committed_snapshot_on = 0)
    ALTER DATABASE ledger SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE;
GO

IF SUSER_ID(N'ledger') IS NULL
    CREATE LOGIN ledger WITH PASSWORD = N'$(LEDGER_DB_PASSWORD)', DEFAULT_DATABASE = ledger, CHECK_POLICY = ON;
ELSE
    ALTER LOGIN ledger WITH PASSWORD = N'$(LEDGER_DB_PASSWORD)';
GO

USE ledger;
GO

IF USER_ID(N'ledger') IS NULL
    CREATE USER ledger FOR LOGIN ledger WITH DEFAULT_SCHEMA = dbo;
GO

-- Create the tables on first start (db_ddladmin), then read and write them. Once the tables
-- exist, db_ddladmin can be dropped: ALTER ROLE db_ddladmin DROP MEMBER ledger.
ALTER ROLE db_ddladmin ADD MEMBER ledger;
ALTER ROLE db_datareader ADD MEMBER ledger;
ALTER ROLE db_datawriter ADD MEMBER ledger;
GO

PRINT 'ledger database and login ready';
GO
