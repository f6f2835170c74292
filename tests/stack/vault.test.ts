// The Vault stand-in keeps Vault's interface and privileges: secrets are
// stored encrypted, read back through vault.decrypted_secrets by postgres and
// service_role, and never by the API roles.
import { afterAll, expect, test } from "vitest";
import { connect, rolledBack } from "../helpers/stack.ts";

const sql = connect();
afterAll(() => sql.end());

test("create_secret round-trips through decrypted_secrets and is not stored in plain text", async () => {
  // rolled back: leave no secret behind
  await rolledBack(sql, async (tx) => {
    const name = `test-secret-${Date.now()}`;
    const [{ id }] = await tx`select vault.create_secret('s3cr3t-value', ${name}, 'for a test') as id`;
    const [stored] = await tx`select secret, description from vault.secrets where id = ${id}`;
    expect(stored.description).toBe("for a test");
    expect(stored.secret).not.toContain("s3cr3t-value");
    const [plain] = await tx`select decrypted_secret from vault.decrypted_secrets where name = ${name}`;
    expect(plain.decrypted_secret).toBe("s3cr3t-value");
    await tx`select vault.update_secret(${id}, 'rotated')`;
    const [rotated] = await tx`select decrypted_secret from vault.decrypted_secrets where id = ${id}`;
    expect(rotated.decrypted_secret).toBe("rotated");
    await tx`set local role service_role`;
    const [asService] = await tx`select decrypted_secret from vault.decrypted_secrets where id = ${id}`;
    expect(asService.decrypted_secret).toBe("rotated");
  });
});

for (const role of ["anon", "authenticated"]) {
  test(`${role} cannot read decrypted secrets`, async () => {
    await expect(sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      await tx`select decrypted_secret from vault.decrypted_secrets`;
    })).rejects.toMatchObject({ code: "42501" });
  });
}
