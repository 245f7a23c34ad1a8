import { z } from "zod";

/** One attempt of an alert delivery (email or webhook), as appended to alert_deliveries.log. */
export const deliveryAttemptSchema = z.object({
  at: z.string(),
  attempt: z.number(),
  ok: z.boolean(),
  statusCode: z.number().optional(),
  error: z.string().optional(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

/** alert_deliveries.log: every attempt, oldest first (written by recordDeliveryAttempt). */
export const deliveryLogSchema = z.array(deliveryAttemptSchema);
