/**
 * The filter of scheduled sessions not over at `at`: their room booking (room-booking.ts) runs past
 * it. The booking covers the late-entry window, the sitting and its reserve, and grows with owed
 * time, so every check-in and every deadline falls inside it. Sessions written before bookings
 * existed (`bookedUntil` null) last until their nominal end.
 */
export function notOverAt(at: Date) {
  return { $or: [{ bookedUntil: { $gt: at } }, { bookedUntil: null, endsAt: { $gt: at } }] };
}
