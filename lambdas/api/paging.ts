import { z } from 'zod';

/** Query of a paged list: `limit` (bounded) and an opaque `cursor` from the previous page. */
export const pageQuerySchema = (defaultLimit: number, maxLimit: number) =>
  z.object({
    limit: z.coerce
      .number({ error: `must be a whole number between 1 and ${maxLimit}` })
      .int({ error: `must be a whole number between 1 and ${maxLimit}` })
      .min(1, { error: `must be a whole number between 1 and ${maxLimit}` })
      .max(maxLimit, { error: `must be a whole number between 1 and ${maxLimit}` })
      .default(defaultLimit),
    cursor: z.string().min(1, { error: 'must not be empty' }).max(8192, { error: 'is too long' }).optional(),
  });

export type PageQuery = z.output<ReturnType<typeof pageQuerySchema>>;

/** One page of a list as the API returns it. */
export interface ListPage<Item> {
  items: Item[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}
