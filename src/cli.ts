import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { STAFF_ROLES, type StaffRole } from './application/ports';
import { createStaffMember, updateStaffMember } from './application/staff-accounts';
import { loadConfigOrExit } from './config/load-config';
import { DomainError } from './domain/errors';
import { openDatabase } from './persistence/database';
import { createStore } from './persistence/store';

const usage = `npm run cli -- <command> [options]

Commands:
  create-admin   --username NAME --name "Full Name"
                 The first admin (or another one). The password is asked for, or read from
                 standard input with --password-stdin. There is no default password.
  create-staff   --username NAME --name "Full Name" --role admin|supervisor|agent|auditor
                 [--department ID]
  set-password   --username NAME        A new password; the member's tokens stop working.
  list-staff

With the embedded database (no DATABASE_URL) stop the server first: the embedded database
belongs to one process. With DATABASE_URL the server may keep running.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfigOrExit();
  if (!config.env.DATABASE_URL && (await serverAnswers(config.env.PORT))) {
    console.error(`A server is running on port ${config.env.PORT} with the embedded database, which belongs to one process.
Stop it (Ctrl-C in its terminal), run this command again, then start it.`);
    return 1;
  }
  const database = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: resolve(config.env.DATA_DIR), poolSize: 2 });
  try {
    const store = createStore(database.db);
    await store.departments.ensure(config.policy.departments);
    const now = new Date();
    switch (command) {
      case 'create-admin':
      case 'create-staff': {
        const role = (command === 'create-admin' ? 'admin' : values.role) as StaffRole | undefined;
        if (!role || !(STAFF_ROLES as readonly string[]).includes(role)) throw usageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
        const username = required(values.username, '--username');
        const password = await readPassword(values['password-stdin'] ?? false);
        const member = await createStaffMember(
          store,
          { name: values.name ?? username, role, username, password, departmentId: values.department ?? null },
          null,
          now,
        );
        console.log(`Created ${member.role} ${member.username} (${member.id}). Sign in with POST /api/v1/auth/login, or at /api/docs.`);
        return 0;
      }
      case 'set-password': {
        const username = required(values.username, '--username');
        const found = await store.staff.credentialsByUsername(username);
        if (!found) throw new DomainError('STAFF.NOT_FOUND', `No staff member with username ${username}; list them with: npm run cli -- list-staff`);
        await updateStaffMember(store, found.staff.id, { password: await readPassword(values['password-stdin'] ?? false) }, null, now);
        console.log(`Password changed for ${username}; their earlier tokens no longer work.`);
        return 0;
      }
      case 'list-staff': {
        for (const member of await store.staff.list()) {
          console.log([member.role.padEnd(10), (member.username ?? '-').padEnd(20), member.departmentId ?? '-', member.active ? '' : '(inactive)', member.name].join(' '));
        }
        return 0;
      }
      default:
        throw usageError(`unknown command ${command}`);
    }
  } finally {
    await database.close();
  }
}

function usageError(message: string): DomainError {
  return new DomainError('CLI.USAGE', `${message}\n\n${usage}`);
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw usageError(`${flag} is required`);
  return value;
}

async function serverAnswers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  const first = await promptHidden('Password (at least 12 characters): ');
  const second = await promptHidden('Again: ');
  if (first !== second) throw new DomainError('CLI.PASSWORD_MISMATCH', 'The two passwords differ; run the command again.');
  return first;
}

/** Reads a line without echoing it, so the password does not stay on the screen. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const input = process.stdin;
    process.stdout.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let typed = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolvePromise(typed);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new DomainError('CLI.CANCELLED', 'Cancelled.'));
          return;
        }
        typed = char === '\u007f' || char === '\b' ? [...typed].slice(0, -1).join('') : typed + char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stdout.write('\n');
    };
    input.on('data', onData);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof DomainError ? error.message : error);
    process.exit(1);
  },
);
