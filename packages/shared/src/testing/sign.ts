// The signers are the product's own (the api's test-delivery route signs with them); tests
// import them from here as before.
export { type SignInput, signDelivery } from "../sign.ts";
