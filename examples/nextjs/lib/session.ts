"use client";

import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { AppConfig } from "./config";

/**
 * The signed-in user's access token. In sandbox mode the sandbox's token endpoint mints it and it
 * is kept in `sessionStorage`; in production supabase-js keeps the session and refreshes it.
 */
const KEY = "billing-example.session";

export interface StoredSession {
  access_token: string;
  user_id: string;
}

let supabase: SupabaseClient | null = null;

function supabaseOf(config: AppConfig): SupabaseClient {
  if (!supabase) {
    supabase = createClient(config.supabaseUrl ?? "", config.supabaseAnonKey ?? "");
  }
  return supabase;
}

export function storedSession(): StoredSession | null {
  if (typeof window === "undefined") return null;
  const raw = window.sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as StoredSession) : null;
}

export function keepSession(session: StoredSession | null) {
  if (session) window.sessionStorage.setItem(KEY, JSON.stringify(session));
  else window.sessionStorage.removeItem(KEY);
}

/** The current access token, or `undefined` when nobody is signed in. */
export async function accessToken(config: AppConfig): Promise<string | undefined> {
  if (config.mode === "sandbox") return storedSession()?.access_token;
  const { data } = await supabaseOf(config).auth.getSession();
  return data.session?.access_token;
}

/** The signed-in user's id: PortOne's `customer.id` of their billing keys. */
export async function userId(config: AppConfig): Promise<string | undefined> {
  if (config.mode === "sandbox") return storedSession()?.user_id;
  const { data } = await supabaseOf(config).auth.getSession();
  return data.session?.user.id;
}

/** Signs in: the sandbox mints a token for `who` (a user id); Supabase takes e-mail and password. */
export async function signIn(config: AppConfig, who: string, password?: string): Promise<string | null> {
  if (config.mode === "sandbox") {
    const answer = await fetch(`${config.billingApiUrl}/sandbox/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user_id: who }),
    });
    const body = await answer.json();
    if (!answer.ok) return body.message ?? "sign-in failed";
    keepSession({ access_token: body.access_token, user_id: who });
    return null;
  }
  const { error } = await supabaseOf(config).auth.signInWithPassword({ email: who, password: password ?? "" });
  return error ? error.message : null;
}

export async function signOut(config: AppConfig) {
  keepSession(null);
  if (config.mode === "production") await supabaseOf(config).auth.signOut();
}
