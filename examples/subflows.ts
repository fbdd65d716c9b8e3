// Subflows: a flow called from a flow is a child run linked to its parent. The seed fetched cat
// and dog facts over HTTP; this version reads them from a local list so it runs offline.
// Run it: npx wf run examples/subflows.ts:animalFacts
import { flow } from "@wf/core";

const CAT_FACTS = [
  "Cats sleep for around 13 to 16 hours a day.",
  "A group of cats is called a clowder.",
];
const DOG_FACTS = [
  "Dogs have about 1,700 taste buds.",
  "A dog's nose print is unique, like a fingerprint.",
];
const pick = (facts: readonly string[]) => facts[Math.floor(Math.random() * facts.length)] ?? "";

export const fetchCatFact = flow(async function fetch_cat_fact() {
  return pick(CAT_FACTS);
});

export const fetchDogFact = flow(async function fetch_dog_fact() {
  return pick(DOG_FACTS);
});

export const animalFacts = flow({ name: "animal_facts", logPrints: true }, async () => {
  const catFact = await fetchCatFact();
  const dogFact = await fetchDogFact();
  console.log(`cat: ${catFact}\ndog: ${dogFact}`);
  return { catFact, dogFact };
});
