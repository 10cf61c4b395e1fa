import type { Person } from '../model.ts';
import { NEXMARK } from './config.ts';
import { lastBase0PersonId } from './ids.ts';
import type { Random } from './prng.ts';
import { nextString, type ExtraStrings } from './strings.ts';

// Few states and cities, so that the queries find matches even in a small batch (as in Flink).
const US_STATES = 'AZ,CA,ID,OR,WA,WY'.split(',');
const US_CITIES = 'Phoenix,Los Angeles,San Francisco,Boise,Portland,Bend,Redmond,Seattle,Kent,Cheyenne'.split(',');
const FIRST_NAMES = 'Peter,Paul,Luke,John,Saul,Vicky,Kate,Julie,Sarah,Deiter,Walter'.split(',');
const LAST_NAMES = 'Shultz,Abrams,Spencer,White,Bartels,Walton,Smith,Jones,Noris'.split(',');

function pick(random: Random, values: readonly string[]): string {
  return values[random.nextInt(values.length)] ?? '';
}

/** The person of event `eventId` at `timestamp` (PersonGenerator.nextPerson, same draws in the same order). */
export function nextPerson(eventId: number, random: Random, timestamp: number, extras: ExtraStrings): Person {
  const id = lastBase0PersonId(eventId) + NEXMARK.firstPersonId;
  const name = `${pick(random, FIRST_NAMES)} ${pick(random, LAST_NAMES)}`;
  const emailAddress = `${nextString(random, 7)}@${nextString(random, 5)}.com`;
  const card: string[] = [];
  for (let i = 0; i < 4; i++) card.push(String(random.nextInt(10_000)).padStart(4, '0'));
  const creditCard = card.join(' ');
  const city = pick(random, US_CITIES);
  const state = pick(random, US_STATES);
  const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
  const extra = extras.extra(random, size, NEXMARK.avgPersonByteSize);
  return { id, name, emailAddress, creditCard, city, state, dateTime: timestamp, extra };
}
