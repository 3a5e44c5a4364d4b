// Key spellings: protobufjs and our TypeScript use camelCase, the Cosmos SDK's JSON (genesis, CLI output)
// and Prometheus metric names snake_case.

export const snakeToCamel = (key: string): string =>
  key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
export const camelToSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
