import { useNock } from "./helpers/use-nock.js";

// every test file: nothing reaches the network, and every mocked GitHub request is used
useNock();
