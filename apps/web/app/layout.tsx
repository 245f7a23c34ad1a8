import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Canopy — cloud carbon accounting",
  // No "hourly" here: the share of kWh on hourly grid factors differs per organization, and the word
  // appears only beside that figure (dashboard, API, reports).
  description: "Auditable carbon emissions for AWS, Azure and GCP, from your bills.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
