import path from "node:path";
import type { NextConfig } from "next";

const config: NextConfig = {
  // The typed client is this repository's `clients/typescript`, linked by `file:`; it ships
  // TypeScript sources, so Next.js compiles it, and Turbopack may read files up to the repo root.
  transpilePackages: ["@portone-subscriptions/client"],
  turbopack: { root: path.join(__dirname, "../..") },
  outputFileTracingRoot: path.join(__dirname, "../.."),
};

export default config;
