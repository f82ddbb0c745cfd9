"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { useConfig } from "@/lib/config";
import { signIn } from "@/lib/session";

/**
 * Sign in. Sandbox: any user id gets a token from the sandbox (as Supabase Auth would give one).
 * Production: Supabase Auth with e-mail and password.
 */
export default function SignIn() {
  const config = useConfig();
  const router = useRouter();
  const [who, setWho] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const failed = await signIn(config, who, password);
    if (failed) setProblem(failed);
    else router.push(new URLSearchParams(window.location.search).get("next") ?? "/account");
  }

  return (
    <main>
      <h1>로그인</h1>
      <form onSubmit={submit}>
        <label>
          {config.mode === "sandbox" ? "사용자 ID" : "이메일"}{" "}
          <input name="who" value={who} onChange={(e) => setWho(e.target.value)} required />
        </label>
        {config.mode === "production" && (
          <label>
            비밀번호 <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
        )}
        <button type="submit">로그인</button>
      </form>
      {problem && <p role="alert">{problem}</p>}
    </main>
  );
}
