"use client";

import { createContext, useContext } from "react";

/**
 * Where the billing service is and how this app signs users in and issues billing keys. Read on
 * the server at request time (`app/layout.tsx`), so one build runs against any service.
 */
export interface AppConfig {
  /** The portone-subscriptions service, e.g. `http://127.0.0.1:8080`. */
  billingApiUrl: string;
  /**
   * `sandbox`: sign in with the sandbox's token endpoint and issue billing keys with
   * `/sandbox/billing-keys`. `production`: Supabase Auth and PortOne's browser SDK.
   */
  mode: "sandbox" | "production";
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  portoneStoreId?: string;
  portoneChannelKey?: string;
}

const ConfigContext = createContext<AppConfig | null>(null);

export function ConfigProvider({ config, children }: { config: AppConfig; children: React.ReactNode }) {
  return <ConfigContext.Provider value={config}>{children}</ConfigContext.Provider>;
}

export function useConfig(): AppConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("ConfigProvider is missing");
  return config;
}
