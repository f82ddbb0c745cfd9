import Link from "next/link";
import { ConfigProvider, type AppConfig } from "@/lib/config";

export const dynamic = "force-dynamic";

export const metadata = { title: "구독 예제 · portone-subscriptions" };

/** Read at request time, so the same build runs against any service (see README). */
function config(): AppConfig {
  return {
    billingApiUrl: process.env.BILLING_API_URL ?? "http://127.0.0.1:8080",
    mode: process.env.BILLING_MODE === "production" ? "production" : "sandbox",
    supabaseUrl: process.env.NEXT_PUBLIC_SUPABASE_URL,
    supabaseAnonKey: process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
    portoneStoreId: process.env.NEXT_PUBLIC_PORTONE_STORE_ID,
    portoneChannelKey: process.env.NEXT_PUBLIC_PORTONE_CHANNEL_KEY,
  };
}

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="ko">
      <body style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720, margin: "2rem auto", padding: "0 1rem" }}>
        <nav style={{ display: "flex", gap: "1rem", marginBottom: "1.5rem" }}>
          <Link href="/">요금제</Link>
          <Link href="/signin">로그인</Link>
          <Link href="/account">내 구독</Link>
        </nav>
        <ConfigProvider config={config()}>{children}</ConfigProvider>
      </body>
    </html>
  );
}
