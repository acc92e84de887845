/** The value of the variable `name`, or an error saying how the tests get one. */
export function requiredEnv(name: string, what: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the tests with \`npm test\` (it starts a private ${what}), ` +
        `or set ${name} to an existing ${what}.`,
    );
  return value;
}
